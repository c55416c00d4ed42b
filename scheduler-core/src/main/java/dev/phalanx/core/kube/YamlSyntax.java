package dev.phalanx.core.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/** A YAML syntax error in a person's words: where it is, and what the parser expected there. */
public final class YamlSyntax {
    private YamlSyntax() {
    }

    /** "(line 2, column 1): expected ',' or ']', but got <stream end>", from a parser's exception. */
    public static String describe(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MarkedYAMLException y && y.getProblemMark() != null) {
                Mark m = y.getProblemMark();
                String problem = y.getProblem() == null ? "" : y.getProblem();
                Mark c = y.getContextMark();
                String context = y.getContext() == null ? "" : " (" + y.getContext()
                        + (c == null ? "" : " that starts at line " + (c.getLine() + 1) + ", column " + (c.getColumn() + 1)) + ")";
                return "(line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + "): " + problem + context;
            }
        }
        if (e instanceof JsonProcessingException j) {
            String where = j.getLocation() == null ? ""
                    : "(line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + "): ";
            String m = j.getOriginalMessage();
            return where + (m == null ? e.toString() : m.replace('\n', ' ').trim());
        }
        return e.getMessage() == null ? e.toString() : e.getMessage().replace('\n', ' ').trim();
    }
}
