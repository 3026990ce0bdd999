"""How a GraphQL operation runs: the contract's types (`schema/`) joined to the resolvers,
with the limits that keep any query cheap, error masking, the prepared-document cache and
the executor. It sits in the composition root because it imports every layer below."""
