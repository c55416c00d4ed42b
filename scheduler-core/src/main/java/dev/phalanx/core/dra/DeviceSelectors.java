package dev.phalanx.core.dra;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Evaluates the CEL device selectors of DeviceClasses and ResourceClaims (cel-java), with the variables the
 * Kubernetes DRA API defines: {@code device.driver}, {@code device.attributes["<domain>"].<name>} (int, bool,
 * string or semantic version) and {@code device.capacity["<domain>"].<name>} (a quantity), plus the quantity and
 * semver functions Kubernetes offers there ({@code quantity("40Gi")}, {@code semver("1.2.3")}, {@code compareTo},
 * {@code isGreaterThan}, {@code isLessThan}, {@code asInteger}). Compiled programs are cached by expression.
 * An expression that does not compile is reported as such; one that fails for a device (an attribute the device
 * lacks) does not select it.
 */
public final class DeviceSelectors {
    /** The longest expression taken, as the API server bounds it. */
    public static final int MAX_LENGTH = 10 * 1024;
    private static final OpaqueType QUANTITY = OpaqueType.create("kubernetes.Quantity");
    private static final OpaqueType SEMVER = OpaqueType.create("kubernetes.Semver");

    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .addVar("device", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addFunctionDeclarations(
                    CelFunctionDecl.newFunctionDeclaration("quantity",
                            CelOverloadDecl.newGlobalOverload("quantity_string", QUANTITY, SimpleType.STRING)),
                    CelFunctionDecl.newFunctionDeclaration("semver",
                            CelOverloadDecl.newGlobalOverload("semver_string", SEMVER, SimpleType.STRING)),
                    CelFunctionDecl.newFunctionDeclaration("compareTo",
                            CelOverloadDecl.newMemberOverload("quantity_compareTo", SimpleType.INT, QUANTITY, QUANTITY),
                            CelOverloadDecl.newMemberOverload("semver_compareTo", SimpleType.INT, SEMVER, SEMVER)),
                    CelFunctionDecl.newFunctionDeclaration("isGreaterThan",
                            CelOverloadDecl.newMemberOverload("quantity_isGreaterThan", SimpleType.BOOL, QUANTITY, QUANTITY),
                            CelOverloadDecl.newMemberOverload("semver_isGreaterThan", SimpleType.BOOL, SEMVER, SEMVER)),
                    CelFunctionDecl.newFunctionDeclaration("isLessThan",
                            CelOverloadDecl.newMemberOverload("quantity_isLessThan", SimpleType.BOOL, QUANTITY, QUANTITY),
                            CelOverloadDecl.newMemberOverload("semver_isLessThan", SimpleType.BOOL, SEMVER, SEMVER)),
                    CelFunctionDecl.newFunctionDeclaration("asInteger",
                            CelOverloadDecl.newMemberOverload("quantity_asInteger", SimpleType.INT, QUANTITY)))
            .setResultType(SimpleType.BOOL).build();

    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().addFunctionBindings(
            CelFunctionBinding.from("quantity_string", String.class, DeviceSelectors::quantity),
            CelFunctionBinding.from("semver_string", String.class, Device.Semver::new),
            CelFunctionBinding.from("quantity_compareTo", Quantity.class, Quantity.class, (a, b) -> (long) a.compareTo(b)),
            CelFunctionBinding.from("semver_compareTo", Device.Semver.class, Device.Semver.class, (a, b) -> (long) compare(a, b)),
            CelFunctionBinding.from("quantity_isGreaterThan", Quantity.class, Quantity.class, (a, b) -> a.compareTo(b) > 0),
            CelFunctionBinding.from("semver_isGreaterThan", Device.Semver.class, Device.Semver.class, (a, b) -> compare(a, b) > 0),
            CelFunctionBinding.from("quantity_isLessThan", Quantity.class, Quantity.class, (a, b) -> a.compareTo(b) < 0),
            CelFunctionBinding.from("semver_isLessThan", Device.Semver.class, Device.Semver.class, (a, b) -> compare(a, b) < 0),
            CelFunctionBinding.from("quantity_asInteger", Quantity.class, q -> q.value().longValueExact())).build();

    /** A quantity inside CEL: compared by its value. */
    public record Quantity(BigDecimal value) implements Comparable<Quantity> {
        @Override
        public int compareTo(Quantity o) {
            return value.compareTo(o.value);
        }
    }

    private record Compiled(CelRuntime.Program program, String error) {
    }

    private static final DeviceSelectors SHARED = new DeviceSelectors();
    private static final int MAX_REMEMBERED = 1 << 18;

    private final Map<String, Compiled> programs = new ConcurrentHashMap<>();
    private final Map<Selection, Boolean> results = new ConcurrentHashMap<>();

    private record Selection(String expression, Device device) {
    }

    /** One instance for the whole process: every cycle finds the expressions it has met compiled, and their results. */
    public static DeviceSelectors shared() {
        return SHARED;
    }

    /** Null when {@code expression} compiles to a boolean, else why not, in words. */
    public String problem(String expression) {
        return compiled(expression).error();
    }

    /** True when {@code expression} selects {@code device}; false when it does not, does not compile or fails on it. */
    public boolean selects(String expression, Device device) {
        Selection key = new Selection(expression, device);
        Boolean known = results.get(key);
        if (known != null) {
            return known;
        }
        boolean selected = evaluate(expression, device);
        if (results.size() >= MAX_REMEMBERED) {
            results.clear(); // devices come and go; what is met again is evaluated again
        }
        results.put(key, selected);
        return selected;
    }

    private boolean evaluate(String expression, Device device) {
        Compiled c = compiled(expression);
        if (c.error() != null) {
            return false;
        }
        try {
            return Boolean.TRUE.equals(c.program().eval(Map.of("device", variables(device))));
        } catch (CelEvaluationException | RuntimeException e) {
            return false;
        }
    }

    private Compiled compiled(String expression) {
        return programs.computeIfAbsent(expression, e -> {
            if (e.length() > MAX_LENGTH) {
                return new Compiled(null, "the expression is longer than " + MAX_LENGTH + " characters");
            }
            try {
                CelAbstractSyntaxTree ast = COMPILER.compile(e).getAst();
                return new Compiled(RUNTIME.createProgram(ast), null);
            } catch (CelValidationException ex) {
                return new Compiled(null, "the CEL expression " + e + " does not compile: " + ex.getMessage().replace('\n', ' '));
            } catch (CelEvaluationException | RuntimeException ex) {
                return new Compiled(null, "the CEL expression " + e + " cannot be evaluated: " + ex.getMessage());
            }
        });
    }

    /** {@code device} as CEL sees it: attributes and capacities grouped by domain. */
    private static Map<String, Object> variables(Device d) {
        Map<String, Map<String, Object>> attributes = new LinkedHashMap<>();
        d.attributes().forEach((k, v) -> {
            int slash = k.lastIndexOf('/');
            attributes.computeIfAbsent(k.substring(0, slash), x -> new LinkedHashMap<>()).put(k.substring(slash + 1), v);
        });
        Map<String, Map<String, Object>> capacity = new LinkedHashMap<>();
        d.capacity().forEach((k, v) -> {
            int slash = k.lastIndexOf('/');
            capacity.computeIfAbsent(k.substring(0, slash), x -> new LinkedHashMap<>()).put(k.substring(slash + 1), new Quantity(v));
        });
        return Map.of("driver", d.driver(), "attributes", attributes, "capacity", capacity);
    }

    private static Quantity quantity(String text) {
        return new Quantity(io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(new io.fabric8.kubernetes.api.model.Quantity(text)));
    }

    /** Semantic versions compared part by part (major, minor, patch), a pre-release before its release. */
    static int compare(Device.Semver a, Device.Semver b) {
        String[] x = a.value().split("[-+]", 2), y = b.value().split("[-+]", 2);
        String[] xs = x[0].split("\\."), ys = y[0].split("\\.");
        for (int i = 0; i < 3; i++) {
            long xi = i < xs.length ? Long.parseLong(xs[i]) : 0, yi = i < ys.length ? Long.parseLong(ys[i]) : 0;
            if (xi != yi) {
                return Long.compare(xi, yi);
            }
        }
        boolean xPre = a.value().contains("-"), yPre = b.value().contains("-");
        return xPre == yPre ? 0 : xPre ? -1 : 1;
    }
}
