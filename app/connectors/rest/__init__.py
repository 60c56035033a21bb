"""The base every HTTP connector stands on, in the spirit of Airbyte CDK's ``HttpStream``:
a connector declares its auth modes, default headers and the API behind each stream; a
stream declares its paths, paging style, incremental parameter, how a record looks and
its write calls. The base owns the client (retries, ``Retry-After``, back-off, rate
limit, token refresh), paging, "Test connection", previews and the per-record write loop
(including creates that cannot be retried blindly)."""
