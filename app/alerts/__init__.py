"""Alerts that reach a person: one message when a problem starts and one when it is
resolved, by tray, e-mail, Teams or Slack, held during quiet hours."""
