// The set-up link's secret the suite starts Tether with; a real instance logs a random one.
export const setupToken = 'e2e-set-up-link-0123456789abcdef';
