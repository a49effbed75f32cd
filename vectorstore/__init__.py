"""The knowledge base: articles, chunks, embeddings, the Chroma store and hybrid retrieval.

Kept import-light: heavy libraries load only when a module that needs them is imported.
`vectorstore` never imports `assistant`.
"""

import os

# onnxruntime sends telemetry unless told not to, and reads this when it is first imported.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
