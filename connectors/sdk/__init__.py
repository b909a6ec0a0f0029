"""The connector SDK: the contract every agency module implements, and the machinery it runs on."""
