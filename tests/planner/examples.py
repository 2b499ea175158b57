"""Small supergraphs for the planner's feature tests."""

from __future__ import annotations

from router.supergraph import Supergraph
from tests.planner.supergraphs import make_supergraph


def shop() -> Supergraph:
    """Users, products (keys upc and sku), reviews (knows upc), inventory (knows sku)."""
    return make_supergraph(
        """
type Query @join__type(graph: USERS) @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS)
  @join__type(graph: INVENTORY) {
  me: User @join__field(graph: USERS)
  user(id: ID!): User @join__field(graph: USERS)
  products(first: Int): [Product] @join__field(graph: PRODUCTS)
  shelves: [[Product]] @join__field(graph: PRODUCTS)
  latestReviews: [Review] @join__field(graph: REVIEWS)
  version: String @join__field(graph: USERS) @join__field(graph: PRODUCTS)
}

type Mutation @join__type(graph: USERS) @join__type(graph: REVIEWS) {
  rename(name: String!): User @join__field(graph: USERS)
  addReview(upc: String!, body: String!): Review @join__field(graph: REVIEWS)
}

type User @join__type(graph: USERS, key: "id") @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  name: String @join__field(graph: USERS)
  reviews: [Review] @join__field(graph: REVIEWS)
}

type Review @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  body: String
  author: User
  product: Product
}

type Product
  @join__type(graph: PRODUCTS, key: "upc") @join__type(graph: PRODUCTS, key: "sku")
  @join__type(graph: REVIEWS, key: "upc") @join__type(graph: INVENTORY, key: "sku") {
  upc: String! @join__field(graph: PRODUCTS) @join__field(graph: REVIEWS)
  sku: String! @join__field(graph: PRODUCTS) @join__field(graph: INVENTORY)
  name: String @join__field(graph: PRODUCTS)
  price(currency: String = "EUR"): Int @join__field(graph: PRODUCTS)
    @join__field(graph: INVENTORY, external: true)
  weight: Int @join__field(graph: PRODUCTS) @join__field(graph: INVENTORY, external: true)
  inStock: Boolean @join__field(graph: INVENTORY)
  shipping: Int @join__field(graph: INVENTORY, requires: "weight price(currency: \\"USD\\")")
  reviews: [Review] @join__field(graph: REVIEWS)
}
""",
        ["users", "products", "reviews", "inventory"],
    )


def organizations() -> Supergraph:
    """A composite nested key and a key that cannot be resolved (``resolvable: false``)."""
    return make_supergraph(
        """
type Query @join__type(graph: BILLING) @join__type(graph: DIRECTORY) {
  invoices: [Invoice] @join__field(graph: BILLING)
  organizations: [Organization] @join__field(graph: DIRECTORY)
}

type Invoice @join__type(graph: BILLING) {
  number: Int
  member: Member
  organization: Organization
}

type Member
  @join__type(graph: BILLING, key: "id organization { id }")
  @join__type(graph: DIRECTORY, key: "id organization { id }") {
  id: ID!
  organization: Organization!
  seats: Int @join__field(graph: BILLING)
  displayName: String @join__field(graph: DIRECTORY)
}

type Organization
  @join__type(graph: BILLING, key: "id", resolvable: false)
  @join__type(graph: DIRECTORY, key: "id") {
  id: ID!
  name: String @join__field(graph: DIRECTORY)
  billingCode: String @join__field(graph: BILLING)
}
""",
        ["billing", "directory"],
    )


def catalog() -> Supergraph:
    """@provides, interfaces whose implementations resolve a field in other subgraphs, unions
    across subgraphs, and an @interfaceObject."""
    return make_supergraph(
        """
type Query @join__type(graph: POSTS) @join__type(graph: MEDIA) @join__type(graph: RATINGS) {
  posts: [Post] @join__field(graph: POSTS)
  featured: [Post] @join__field(graph: POSTS, provides: "author { name }")
  feed: [FeedItem] @join__field(graph: POSTS)
  media: [Media] @join__field(graph: MEDIA)
  topRated: [Media] @join__field(graph: RATINGS)
}

type Post @join__type(graph: POSTS, key: "id") {
  id: ID!
  title: String
  author: Author
}

type Author @join__type(graph: POSTS, key: "id") @join__type(graph: MEDIA, key: "id") {
  id: ID!
  name: String @join__field(graph: POSTS, external: true) @join__field(graph: MEDIA)
  bio: String @join__field(graph: MEDIA)
}

union FeedItem @join__type(graph: POSTS) @join__unionMember(graph: POSTS, member: "Post")
  @join__unionMember(graph: POSTS, member: "Video") = Post | Video

type Video @join__type(graph: POSTS, key: "id") @join__type(graph: MEDIA, key: "id") {
  id: ID!
  url: String @join__field(graph: MEDIA)
}

interface Media @join__type(graph: MEDIA, key: "id")
  @join__type(graph: RATINGS, key: "id", isInterfaceObject: true) {
  id: ID!
  title: String @join__field(graph: MEDIA)
  stars: Int @join__field(graph: RATINGS)
}

type Book implements Media @join__implements(graph: MEDIA, interface: "Media")
  @join__type(graph: MEDIA, key: "id") {
  id: ID!
  title: String
  stars: Int @join__field
  pages: Int
}

type Film implements Media @join__implements(graph: MEDIA, interface: "Media")
  @join__type(graph: MEDIA, key: "id") {
  id: ID!
  title: String
  stars: Int @join__field
  minutes: Int
}
""",
        ["posts", "media", "ratings"],
    )


def migrations() -> Supergraph:
    """A field moved by @override, and one moving by a progressive override label."""
    return make_supergraph(
        """
type Query @join__type(graph: OLD) @join__type(graph: NEW) {
  accounts: [Account] @join__field(graph: OLD)
}

type Account @join__type(graph: OLD, key: "id") @join__type(graph: NEW, key: "id") {
  id: ID!
  plan: String @join__field(graph: NEW, override: "old")
  status: String @join__field(graph: OLD, overrideLabel: "percent(25)")
    @join__field(graph: NEW, override: "old", overrideLabel: "percent(25)")
}
""",
        ["old", "new"],
    )


def value_types() -> Supergraph:
    """A shareable value type (no key) whose fields differ between subgraphs."""
    return make_supergraph(
        """
type Query @join__type(graph: CART) @join__type(graph: PRICING) {
  items: [Item] @join__field(graph: CART)
  featured: [Item] @join__field(graph: CART) @join__field(graph: PRICING)
}

type Item @join__type(graph: CART, key: "id") @join__type(graph: PRICING, key: "id") {
  id: ID!
  label: String @join__field(graph: CART)
  price: Money @join__field(graph: CART) @join__field(graph: PRICING)
}

type Money @join__type(graph: CART) @join__type(graph: PRICING) {
  amount: Int @join__field(graph: CART) @join__field(graph: PRICING)
  currency: String @join__field(graph: PRICING)
}
""",
        ["cart", "pricing"],
    )


def make_supergraph_with_two_requirements() -> Supergraph:
    """Two fields requiring one field with different arguments."""
    return make_supergraph(
        """
type Query @join__type(graph: PRODUCTS) @join__type(graph: SHIPPING) {
  products: [Product] @join__field(graph: PRODUCTS)
}

type Product @join__type(graph: PRODUCTS, key: "id") @join__type(graph: SHIPPING, key: "id") {
  id: ID!
  weight(unit: String = "KG"): Float
    @join__field(graph: PRODUCTS) @join__field(graph: SHIPPING, external: true)
  quote: Int @join__field(graph: SHIPPING, requires: "weight(unit: \\"LB\\")")
  estimate: Int @join__field(graph: SHIPPING, requires: "weight(unit: \\"KG\\")")
}
""",
        ["products", "shipping"],
    )
