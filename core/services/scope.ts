/** Services and environments live in one of Zadig's two scopes; every key below a project carries it. */
export type ServiceScope = 'test' | 'production';
