"""Renderers: terminal (rich), Markdown (step summary, PRs), GitHub Actions annotations/outputs."""
