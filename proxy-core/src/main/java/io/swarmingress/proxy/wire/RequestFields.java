package io.swarmingress.proxy.wire;

/**
 * The fields only a request has, read in the shared header loop: Host and Expect are noted, and
 * the fields in which a peer speaks about the client (X-Forwarded-*, Forwarded, X-Real-IP) are
 * marked, so that the writer passes them on from a trusted peer and from no other: an untrusted
 * client can claim no other address, scheme, host or port. A field the proxy vouches for itself
 * (a client certificate's subject) is dropped from every client, trusted or not.
 */
final class RequestFields implements MessageFields.Visitor {
    /**
     * Fields by which frameworks let a front proxy speak for the client besides the X-Forwarded-*
     * four: a scheme (Rack reads X-Forwarded-Ssl before X-Forwarded-Proto), an address, or the
     * original path (honoured as the path by some backends, which would step around a prefix
     * route). From a client they are claims, not facts.
     */
    private static final String[] OTHER_CLAIMS = {
        "x-forwarded-ssl", "x-forwarded-scheme", "x-forwarded-server", "x-forwarded-prefix", "x-forwarded-uri",
        "x-forwarded-path", "x-original-url", "x-original-uri", "x-rewrite-url", "x-url-scheme", "front-end-https",
        "x-client-ip", "true-client-ip", "x-cluster-client-ip", "cf-connecting-ip",
    };

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
        if (ownField != null && h.nameLength(i) == ownField.length()
                && (h.nameIs(i, ownField) || h.nameIs(i, ownFieldUnderscore))) {
            h.flags[i] = HeadLines.DROP;
            return null;
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
                markIf(h, i, "forwarded", HeadLines.CLAIM_FORWARDED);
                markIf(h, i, "x-real-ip", HeadLines.CLAIM_REAL_IP);
                break;
            case 15:
                markIf(h, i, "x-forwarded-for", HeadLines.FORWARDED_FOR);
                break;
            case 16:
                markIf(h, i, "x-forwarded-host", HeadLines.CLAIM_HOST);
                markIf(h, i, "x-forwarded-port", HeadLines.CLAIM_PORT);
                break;
            case 17:
                markIf(h, i, "x-forwarded-proto", HeadLines.CLAIM_PROTO);
                break;
            default:
                break;
        }
        int first = HeadLines.lower(h.bytes[h.start[i]]);
        if (h.flags[i] == HeadLines.KEEP && h.nameLength(i) >= 11 && (first == 'x' || first == 't' || first == 'f' || first == 'c')) {
            for (String name : OTHER_CLAIMS) {
                if (h.nameIs(i, name)) {
                    h.flags[i] = HeadLines.CLAIM_OTHER;
                    break;
                }
            }
        }
        return null;
    }

    private static void markIf(HeadLines h, int i, String lowerName, byte flag) {
        if (h.nameIs(i, lowerName)) {
            h.flags[i] = flag;
        }
    }
}
