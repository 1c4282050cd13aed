"""The Super Agent Stack client: HTTP (httpx2, retries, errors), chat requests and replies, sessions, files."""
