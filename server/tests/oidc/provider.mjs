// A real OpenID Connect provider (oidc-provider, OpenID Certified) on loopback, for the
// generic network's tests: authorization code with PKCE S256 required, refresh tokens
// with offline_access, RFC 7009 revocation, userinfo. Its built-in development login and
// consent pages accept any login. Settings come from the environment; it prints
// "ready <issuer>" once listening.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 0);
const clientId = process.env.CLIENT_ID;
const clientSecret = process.env.CLIENT_SECRET;
const redirectUri = process.env.REDIRECT_URI;
if (!clientId || !clientSecret || !redirectUri) {
  console.error('CLIENT_ID, CLIENT_SECRET and REDIRECT_URI are required');
  process.exit(2);
}

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  scopes: ['openid', 'offline_access', 'profile', 'metrics'],
  claims: { profile: ['name', 'preferred_username'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
  },
  ttl: { AccessToken: 3600, RefreshToken: 14 * 24 * 3600 },
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, name: `Person ${sub}`, preferred_username: sub };
      },
    };
  },
  // Rotate refresh tokens on every use, as the strictest servers do.
  rotateRefreshToken: true,
});
// Loopback over plain HTTP is fine for a test; silence the production warnings' effect.
provider.proxy = false;

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
