"""The web application: where practitioners, managers and IG staff work, in the GOV.UK Design System.

Server-rendered pages (FastAPI and Jinja2) that work without JavaScript; GOV.UK Frontend's scripts only
enhance them. The top layer beside `hub.cli`: it may use every other part of the hub, and only the CLI
(`hub web up`) imports it. docs/architecture.md, "The web application", describes its parts.
"""
