-- A network that refused Tether's own app credentials (wrong or rotated client secret):
-- an operator's fault for every channel of the network, shown until a call that speaks as
-- the app works again.
ALTER TABLE network_trouble ADD COLUMN config_fault TEXT;
ALTER TABLE network_trouble ADD COLUMN config_fault_since BIGINT;
