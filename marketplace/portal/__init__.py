"""The portal: server-rendered pages over the API's own handlers, served by the same app."""
