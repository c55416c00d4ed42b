package dev.phalanx.api.v1alpha1;

/** Regular expressions the CRDs validate with; one place so the schema and the model agree. */
public final class ApiPatterns {
    /** A Kubernetes label key: optional DNS-subdomain prefix and a name of at most 63 characters. */
    public static final String LABEL_KEY =
            "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
    /** A DNS-1123 subdomain, as object names are. */
    /** A label value that names a subgroup: a DNS label. */
    public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public static final String OBJECT_NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    /** A non-negative Kubernetes quantity: 16, 500m, 1.5, 64Gi, 1e3. */
    public static final String QUANTITY = "^\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE]\\+?[0-9]+))?$";
    /** A queue limit: -1 for none, else a non-negative quantity. */
    public static final String LIMIT = "^(-1|\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE]\\+?[0-9]+))?)$";
    /** A duration such as 90s, 5m, 1h30m, 2d. */
    public static final String DURATION = "^([0-9]+(s|m|h|d))+$";

    private ApiPatterns() {
    }
}
