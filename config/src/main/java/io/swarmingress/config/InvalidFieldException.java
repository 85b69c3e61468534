package io.swarmingress.config;

/**
 * Raised by a record constructor for one bad field. The record does not know where it came from,
 * so the parser catches this and adds the file and line of {@link #field()}.
 */
public final class InvalidFieldException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public InvalidFieldException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
