"""The Kairos command-line client: ``kairos client …`` (or ``kairos-cli …``).

It talks to a running API over HTTP and the WebSocket feed, like any other client; it never
imports the server's internals. See docs/cli.md.
"""


def main() -> None:
    from app.client.commands import client

    client.main(prog_name="kairos-cli")
