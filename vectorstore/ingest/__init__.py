"""The ingest side: reading and cleaning articles, cutting them into chunks, embedding them.

Nothing here imports `vectorstore.search`; `vectorstore.knowledge` joins the two sides.
"""
