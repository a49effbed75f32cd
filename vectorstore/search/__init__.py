"""The search side: the Chroma store of chunks and articles, the lexical (BM25) index kept in
step with it, and the fusion of dense and lexical rankings into passages."""
