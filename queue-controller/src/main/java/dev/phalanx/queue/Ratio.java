package dev.phalanx.queue;

import java.math.BigDecimal;
import java.math.BigInteger;

/** An exact non-negative rational number, so fair shares are split without rounding loss. */
record Ratio(BigInteger num, BigInteger den) implements Comparable<Ratio> {
    static final Ratio ZERO = new Ratio(BigInteger.ZERO, BigInteger.ONE);

    Ratio {
        if (den.signum() == 0) {
            throw new ArithmeticException("zero denominator");
        }
        if (den.signum() < 0) {
            num = num.negate();
            den = den.negate();
        }
        BigInteger g = num.gcd(den);
        if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
            num = num.divide(g);
            den = den.divide(g);
        }
    }

    static Ratio of(long n) {
        return new Ratio(BigInteger.valueOf(n), BigInteger.ONE);
    }

    /** The exact value of a double such as a weight (0.1 is taken as written, 1/10). */
    static Ratio of(double d) {
        BigDecimal b = BigDecimal.valueOf(d);
        return b.scale() <= 0 ? new Ratio(b.toBigIntegerExact(), BigInteger.ONE)
                : new Ratio(b.unscaledValue(), BigInteger.TEN.pow(b.scale()));
    }

    Ratio add(Ratio o) {
        return new Ratio(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den));
    }

    Ratio subtract(Ratio o) {
        return new Ratio(num.multiply(o.den).subtract(o.num.multiply(den)), den.multiply(o.den));
    }

    Ratio multiply(Ratio o) {
        return new Ratio(num.multiply(o.num), den.multiply(o.den));
    }

    Ratio divide(Ratio o) {
        return new Ratio(num.multiply(o.den), den.multiply(o.num));
    }

    Ratio min(Ratio o) {
        return compareTo(o) <= 0 ? this : o;
    }

    int signum() {
        return num.signum();
    }

    double doubleValue() {
        return new BigDecimal(num).divide(new BigDecimal(den), java.math.MathContext.DECIMAL64).doubleValue();
    }

    @Override
    public int compareTo(Ratio o) {
        return num.multiply(o.den).compareTo(o.num.multiply(den));
    }
}
