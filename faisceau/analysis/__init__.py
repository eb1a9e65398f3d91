"""Analysis: named entities, validated identifiers, dates and events, canonical entities."""
