"""The human review console's domain: reviewers, the review queue, decisions and appeals."""
