-- Hand-outs older than their retention are deleted each minute; this finds them.
CREATE INDEX token_handouts_by_time ON token_handouts (at);
