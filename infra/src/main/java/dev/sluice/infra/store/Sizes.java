package dev.sluice.infra.store;

/** UTF-8 byte counts without encoding. */
final class Sizes {
    private Sizes() {
    }

    static int utf8(String s) {
        return dev.sluice.infra.PayloadStore.utf8Length(s);
    }
}
