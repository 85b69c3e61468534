package io.swarmingress.proxy.wire;

/**
 * The fields only a request has, read in the shared header loop: Host and Expect are noted, and
 * the fields the proxy sets itself are dropped (or, for X-Forwarded-For, folded into the proxy's
 * own line) so that a client can claim no other address, scheme, host or port.
 */
final class RequestFields implements MessageFields.Visitor {
    int hostCount;
    int hostLine;
    boolean expectContinue;
    private boolean http10;
    /** A field the proxy sets itself on this connection (a client certificate's subject), in both spellings; null for none. */
    private String ownField;
    private String ownFieldUnderscore;

    void ownField(String lowerName) {
        ownField = lowerName;
        ownFieldUnderscore = lowerName == null ? null : lowerName.replace('-', '_');
    }

    /** Starts on a new head. */
    void reset(boolean http10) {
        this.http10 = http10;
        hostCount = 0;
        hostLine = -1;
        expectContinue = false;
    }

    @Override
    public String field(HeadLines h, int i) {
        if (ownField != null && h.nameLength(i) == ownField.length()) {
            dropIf(h, i, ownField);
            dropIf(h, i, ownFieldUnderscore);
            if (h.flags[i] == HeadLines.DROP) {
                return null;
            }
        }
        switch (h.nameLength(i)) {
            case 4:
                if (h.nameIs(i, "host")) {
                    hostCount++;
                    hostLine = i;
                }
                break;
            case 6:
                if (h.nameIs(i, "expect") && !http10) {
                    expectContinue |= h.equalsIgnoreCase(h.valueStart(i), h.valueEnd(i), "100-continue");
                }
                break;
            case 9:
                // RFC 7239's Forwarded would let a client claim another address, like X-Forwarded-For.
                dropIf(h, i, "forwarded");
                break;
            case 15:
                if (h.nameIs(i, "x-forwarded-for")) {
                    h.flags[i] = HeadLines.FORWARDED_FOR;
                }
                break;
            case 16:
                dropIf(h, i, "x-forwarded-host");
                dropIf(h, i, "x-forwarded-port");
                break;
            case 17:
                dropIf(h, i, "x-forwarded-proto");
                break;
            default:
                break;
        }
        return null;
    }

    private static void dropIf(HeadLines h, int i, String lowerName) {
        if (h.nameIs(i, lowerName)) {
            h.flags[i] = HeadLines.DROP;
        }
    }
}
