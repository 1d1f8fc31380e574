"""Search over the catalog (docs/search.md).

service.py is the portal's SearchService (the live index, the outbox drain,
rebuilds and checks); backend.py the contract both backends keep: the embedded
tantivy index (tantivy_index.py, the default) and an OpenSearch/Elasticsearch
cluster (cluster_index.py). analysis.py segments Chinese (jieba) and adds pinyin
and synonyms; query.py and plan.py read CKAN's q/fq into a backend query;
document.py and records.py make the indexed documents; outbox.py keeps the index
in step with the catalog's writes; suggest.py and highlight.py serve the pages.
"""
