"""Message contracts of newsflow: typed models, JSON Schemas, identities.

Depends on nothing else of newsflow.
"""

from .codec import InvalidMessage, SchemaMismatch, decode, encode, headers_for
from .ids import article_id, content_hash, feed_id, normalize_url
from .models import (
    MESSAGE_TYPES,
    Article,
    DateMention,
    EnrichedArticle,
    Entity,
    EntityMention,
    FeedSpec,
    FeedState,
    Link,
    Message,
    ModelInfo,
    Provenance,
    Salience,
    utcnow,
)

__all__ = [
    "MESSAGE_TYPES", "Article", "DateMention", "EnrichedArticle", "Entity", "EntityMention",
    "FeedSpec", "FeedState", "InvalidMessage", "Link", "Message", "ModelInfo", "Provenance",
    "Salience", "SchemaMismatch", "article_id", "content_hash", "decode", "encode", "feed_id",
    "headers_for", "normalize_url", "utcnow",
]
