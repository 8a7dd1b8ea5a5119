export const typeDefs = `#graphql
  type Query {
    route: String
    service: String
    entry: String
  }
`;
