"""Router configuration: the model and its loading from YAML and the environment."""

from router.config.loader import ConfigError, load_config
from router.config.model import RouterConfig

__all__ = ["ConfigError", "RouterConfig", "load_config"]
