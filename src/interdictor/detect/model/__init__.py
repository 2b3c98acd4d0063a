"""The trained detector: hashed n-gram text models stacked with the rule features."""
