"""The local web app: live coaching from the browser's camera, uploads, sets and progress.

`server` builds the Starlette app and runs it under uvicorn; `security` guards every request
(Host header, access token, Origin, Content-Security-Policy); `pages` renders the Jinja2
pages, `uploads` receives videos into the job queue, `livesocket` runs a live set over a
WebSocket, `charts` draws the Progress page's SVG plots. The server computes, the page draws.
"""
