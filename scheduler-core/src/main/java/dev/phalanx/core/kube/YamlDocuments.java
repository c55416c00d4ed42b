package dev.phalanx.core.kube;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The documents of a YAML stream as JSON trees, with anchors, aliases and merge keys ({@code <<: *base})
 * resolved, as kubectl resolves them. (Jackson's YAML parser hands an alias over as the anchor's name, a
 * string, so {@code allocatable: *gpu8} would read as the word "gpu8".) Scalars are typed as Jackson types
 * them. Every error names the source and the document.
 */
final class YamlDocuments {
    /** Values aliases may add to one document: far more than any cluster dump, far less than a YAML bomb. */
    static final long MAX_ALIASED_VALUES = 1_000_000;
    private static final YAMLFactory FACTORY = new YAMLFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String MERGE_KEY = "<<";

    /** Receives each document in turn, numbered from 1; a document that is empty is null. */
    interface Consumer {
        void document(int number, JsonNode node);
    }

    private YamlDocuments() {
    }

    static void read(Reader reader, String source, Consumer consumer) {
        int doc = 0;
        try (YAMLParser p = (YAMLParser) FACTORY.createParser(reader)) {
            while (true) {
                JsonToken t;
                try {
                    t = p.nextToken();
                } catch (IOException e) {
                    throw invalid(source, doc + 1, e);
                }
                if (t == null) {
                    return;
                }
                doc++;
                JsonNode node;
                try {
                    node = new Document(p).value(t);
                } catch (IOException e) {
                    throw invalid(source, doc, e);
                } catch (AliasException e) {
                    throw new ManifestException(source + ": document " + doc + ": " + e.getMessage());
                }
                consumer.document(doc, node == null || node.isNull() ? null : node);
            }
        } catch (IOException e) {
            throw invalid(source, doc + 1, e);
        }
    }

    private static ManifestException invalid(String source, int doc, IOException e) {
        return new ManifestException(source + ": document " + doc + " is not valid YAML " + YamlSyntax.describe(e), e);
    }

    /** A YAML error of our own: an alias to no anchor, a merge key that is not a mapping, a bomb. */
    private static final class AliasException extends RuntimeException {
        AliasException(String message) {
            super(message);
        }
    }

    /** One document's tree; anchors are scoped to their document, as YAML defines them. */
    private static final class Document {
        private final YAMLParser p;
        private final Map<String, JsonNode> anchors = new HashMap<>();
        private final Map<String, Long> anchorSizes = new HashMap<>();
        private long aliased;

        Document(YAMLParser p) {
            this.p = p;
        }

        JsonNode value(JsonToken t) throws IOException {
            String anchor = p.getObjectId() instanceof String s ? s : null;
            JsonNode node = switch (t) {
                case START_OBJECT -> mapping();
                case START_ARRAY -> sequence();
                case VALUE_STRING -> p.isCurrentAlias() ? alias(p.getText()) : NODES.textNode(p.getText());
                case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
                case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
                case VALUE_TRUE -> NODES.booleanNode(true);
                case VALUE_FALSE -> NODES.booleanNode(false);
                case VALUE_NULL -> NODES.nullNode();
                default -> NODES.textNode(p.getText());
            };
            if (anchor != null) {
                anchors.put(anchor, node);
                anchorSizes.put(anchor, size(node));
            }
            return node;
        }

        private JsonNode alias(String name) {
            JsonNode target = anchors.get(name);
            if (target == null) {
                throw new AliasException("alias *" + name + " names no anchor &" + name + " before it in this document");
            }
            aliased += anchorSizes.get(name);
            if (aliased > MAX_ALIASED_VALUES) {
                throw new AliasException("aliases expand to more than " + MAX_ALIASED_VALUES + " values; refused as a YAML bomb");
            }
            return target.deepCopy();
        }

        private ObjectNode mapping() throws IOException {
            ObjectNode explicit = NODES.objectNode();
            List<ObjectNode> merged = new ArrayList<>();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                JsonNode value = value(p.nextToken());
                if (MERGE_KEY.equals(name)) {
                    merged.addAll(mergeSources(value));
                } else {
                    explicit.set(name, value);
                }
            }
            if (merged.isEmpty()) {
                return explicit;
            }
            // a key of the mapping itself wins over merged ones; of the merged mappings, the first wins
            ObjectNode out = explicit.deepCopy();
            for (ObjectNode m : merged) {
                for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!out.has(e.getKey())) {
                        out.set(e.getKey(), e.getValue().deepCopy());
                    }
                }
            }
            return out;
        }

        private static List<ObjectNode> mergeSources(JsonNode value) {
            List<ObjectNode> out = new ArrayList<>();
            if (value instanceof ObjectNode o) {
                out.add(o);
            } else if (value instanceof ArrayNode a) {
                for (JsonNode item : a) {
                    if (!(item instanceof ObjectNode o)) {
                        throw new AliasException("the merge key << takes a mapping or a list of mappings, got a list holding "
                                + item.getNodeType().toString().toLowerCase());
                    }
                    out.add(o);
                }
            } else {
                throw new AliasException("the merge key << takes a mapping or a list of mappings, got "
                        + value.getNodeType().toString().toLowerCase() + " " + value);
            }
            return out;
        }

        private ArrayNode sequence() throws IOException {
            ArrayNode out = NODES.arrayNode();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                out.add(value(t));
            }
            return out;
        }

        private static long size(JsonNode node) {
            long n = 1;
            for (JsonNode child : node) {
                n += size(child);
            }
            return n;
        }
    }
}
