"""Code that runs inside the engine (Rasa 3.6, in .venv-rasa): NLU components named in
config.yml. The application (.venv) never imports this package; it may import the pure readers
of bot.reading, which need nothing but the standard library."""
