"""Stand-ins for services outside our reach (Telegram's Bot API), speaking their real wire
protocol: used by the tests, the benchmark and local demos."""
