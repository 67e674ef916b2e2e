"""The recording proxy on mitmproxy and the stub server it can play."""
