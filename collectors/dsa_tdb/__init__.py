"""The EU DSA Transparency Database: daily statistics (build-time collector) and the statements-of-reasons engine."""
