package dev.phalanx.core.cycle;

import dev.phalanx.core.model.PodInfo;

import java.util.List;

/**
 * Room held for one waiting gang during a cycle: where its members will go ({@code room}, one binding per
 * member of {@code members}, in order), taken out of the capacity view so that nothing else of the cycle
 * lands there. {@code freesAt}: when what runs there now is expected to be gone (MAX_VALUE when unknown);
 * {@code nominated}: the room was made by evicting others ({@link Nomination}), not waited for
 * ({@link Reservations}).
 */
record HeldRoom(String gangKey, List<Binding> room, List<PodInfo> members, long freesAt, boolean nominated) {
    HeldRoom {
        room = List.copyOf(room);
        members = List.copyOf(members);
    }

    List<String> nodes() {
        return room.stream().map(Binding::node).distinct().sorted().toList();
    }
}
