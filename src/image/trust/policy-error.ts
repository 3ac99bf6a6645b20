// A trust policy file that cannot be used (its own class, so each part of the parser can throw it
// and the callers can name the file and the config key around it).
export class PolicyError extends Error {}
