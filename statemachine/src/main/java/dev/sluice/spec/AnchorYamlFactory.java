package dev.sluice.spec;

import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactoryBuilder;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.Reader;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;

/**
 * A YAML factory whose parsers say which anchor ({@code &name}) the current value carries. Jackson's own
 * {@link YAMLParser#getCurrentAnchor()} reports the anchors of mappings and lists but not of scalars, and keeps a
 * mapping's anchor on its first key; {@link SpecTree} needs the anchor of every node to resolve aliases.
 */
final class AnchorYamlFactory extends YAMLFactory {
    private static final long serialVersionUID = 1L;

    AnchorYamlFactory(LoaderOptions limits) {
        super(new YAMLFactoryBuilder(new YAMLFactory()).loaderOptions(limits));
    }

    @Override
    protected YAMLParser _createParser(Reader r, IOContext ctxt) {
        return new Parser(ctxt, _parserFeatures, _yamlParserFeatures, _loaderOptions, _objectCodec, r);
    }

    /** A YAML parser that exposes the anchor of the event behind the current token. */
    static final class Parser extends YAMLParser {
        Parser(IOContext ctxt, int parserFeatures, int formatFeatures, LoaderOptions options, ObjectCodec codec,
               Reader reader) {
            super(ctxt, parserFeatures, formatFeatures, options, codec, reader);
        }

        /** The anchor that the current value (not a key, not an alias) defines, or null. */
        String valueAnchor() {
            if (_lastEvent instanceof AliasEvent || !(_lastEvent instanceof NodeEvent n)) {
                return null;
            }
            return n.getAnchor();
        }

        /** How the current scalar is written: ' ' plain, '\'', '"', '|' or '>'. */
        char valueStyle() {
            if (_lastEvent instanceof ScalarEvent s && s.getScalarStyle() != null
                    && s.getScalarStyle().getChar() != null) {
                return s.getScalarStyle().getChar();
            }
            return ' ';
        }
    }
}
