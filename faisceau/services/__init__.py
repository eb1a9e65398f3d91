"""Application services: the actions a user starts, orchestrated once for the CLI and the web.

A service sits above the pipeline's layers (analysis, index) and below its two front ends
(`faisceau.commands`, `faisceau.web`): it takes the project lock, calls the domain, brings derived
data up to date and logs the action, so that both front ends behave the same.
"""
