"""Reporting for analysts: aggregate figures over a range of days, their CSV export and the
server-rendered SVG charts the dashboard shows."""
