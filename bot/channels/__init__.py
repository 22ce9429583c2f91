"""The channels people reach the assistant through; each renders for its medium and calls
bot.pipeline."""
