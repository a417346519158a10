"""The search-query language: parse analysts' boolean queries, run them as SQL, push them to X.

>>> from trendwatch.query import parse, compile_where, to_stream_rule
>>> print(compile_where(parse('"robe rouge" lang:fr')).sql)
(COALESCE(REGEXP_CONTAINS(t.text, @q0), FALSE) AND COALESCE(t.lang = @q1, FALSE))
>>> to_stream_rule('"robe rouge" lang:fr')
'"robe rouge" lang:fr'
"""

from trendwatch.query.ast import Node
from trendwatch.query.parser import QuerySyntaxError, parse
from trendwatch.query.search import TWEET_COLUMNS, tweets_statement, volume_statement
from trendwatch.query.sql import CompiledQuery, compile_where
from trendwatch.query.stream_rules import DEFAULT_MAX_RULE_LENGTH, StreamRuleError, to_stream_rule

__all__ = [
    "DEFAULT_MAX_RULE_LENGTH",
    "TWEET_COLUMNS",
    "CompiledQuery",
    "Node",
    "QuerySyntaxError",
    "StreamRuleError",
    "compile_where",
    "parse",
    "to_stream_rule",
    "tweets_statement",
    "volume_statement",
]
