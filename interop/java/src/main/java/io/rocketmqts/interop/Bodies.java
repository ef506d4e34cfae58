package io.rocketmqts.interop;

import java.nio.charset.StandardCharsets;

/**
 * The deterministic message bodies written by {@link ProduceMessages}; interop/lib/java-client.ts
 * has the same function ({@code expectedBody}) so tests can check every byte.
 *
 * <p>Body of message {@code i} with size {@code B}: the ASCII prefix {@code "msg-<i>-"}, then byte
 * {@code j} (for every position {@code j >= prefix length}) is {@code PATTERN[(i + j) % 36]}; the
 * whole is cut to {@code B} bytes. {@code B <= 0} means the prefix alone.
 */
final class Bodies {

    static final byte[] PATTERN = "abcdefghijklmnopqrstuvwxyz0123456789".getBytes(StandardCharsets.US_ASCII);

    private Bodies() {
    }

    static byte[] body(long i, int size) {
        byte[] prefix = ("msg-" + i + "-").getBytes(StandardCharsets.US_ASCII);
        if (size <= 0) {
            return prefix;
        }
        byte[] out = new byte[size];
        for (int j = 0; j < size; j++) {
            out[j] = j < prefix.length ? prefix[j] : PATTERN[(int) ((i + j) % PATTERN.length)];
        }
        return out;
    }

    static String hex(byte[] bytes) {
        char[] digits = "0123456789abcdef".toCharArray();
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(digits[(b >> 4) & 0xf]).append(digits[b & 0xf]);
        }
        return sb.toString();
    }
}
