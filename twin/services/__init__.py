"""The platform's services on the external network (DESIGN.md, "services/"): tariffs
and bills so far. They read legal data the head-end holds, never truth."""
