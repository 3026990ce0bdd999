"""Realtime fan-out of member changes to subscribed surfaces."""
