package dev.phalanx.core.cycle;

/** Port: time in milliseconds (epoch live, since the start in simulation). */
public interface Clock {
    long now();

    Clock SYSTEM = System::currentTimeMillis;
}
