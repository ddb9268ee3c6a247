"""The sandbox: Palaver against a local Bot API, with simulated people on phones in a browser.

`botapi` is the local Bot API (shared with the test harness in `tests/fakebot`); `hub` is
the simulated world the page and its JSON API act on; `web` serves the page.
"""
