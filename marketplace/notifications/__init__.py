"""Notifications: who hears of which public event, in which words, and how it is delivered."""
