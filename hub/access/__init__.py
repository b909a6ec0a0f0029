"""Who is using the hub, what their role lets them do, and on what basis they may see a referral."""
