"""Answering one question from retrieved passages: extractively or by an LLM (prompts, packing,
the chat model), and citation verification for both. The answer model is `answer.py`."""
