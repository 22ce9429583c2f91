"""Rasa custom actions: thin glue that reads the conversation, calls a service of `bot`, renders.

rasa-sdk imports every module of this package; none of them does any work at import time.
"""
