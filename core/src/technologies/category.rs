//! Our ten stack categories and how Wappalyzer's category ids and names map onto them.

use serde::{Deserialize, Serialize};

/// Where a technology sits in a company's stack. Every Wappalyzer category maps to one of
/// these; categories that fit none (security, cookie banners, comment systems, …) are
/// [`Category::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// JavaScript frameworks and libraries, UI kits, fonts, maps, video players, editors.
    Frontend,
    /// Server-side languages and web frameworks.
    Backend,
    /// Content management, blogs, wikis, page builders, static site generators.
    Cms,
    /// Shop platforms and their apps.
    Ecommerce,
    /// Databases and database managers.
    Database,
    /// Web servers, CDNs, hosting, PaaS/IaaS, caches, operating systems.
    Cloud,
    /// Analytics, tag managers, A/B testing, session recording, RUM.
    Analytics,
    /// Marketing automation, email, advertising, retargeting, CRM, SEO, reviews.
    Marketing,
    /// Live chat, help desks, issue trackers, user onboarding.
    Support,
    /// Payment processors and buy-now-pay-later.
    Payments,
    /// Anything else.
    Other,
}

impl Category {
    /// The ten stack categories, without [`Category::Other`].
    pub const STACK: [Category; 10] = [
        Category::Frontend,
        Category::Backend,
        Category::Cms,
        Category::Ecommerce,
        Category::Database,
        Category::Cloud,
        Category::Analytics,
        Category::Marketing,
        Category::Support,
        Category::Payments,
    ];

    /// The category's name as stored in `technology_stack` (`frontend`, `cms`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Frontend => "frontend",
            Category::Backend => "backend",
            Category::Cms => "cms",
            Category::Ecommerce => "ecommerce",
            Category::Database => "database",
            Category::Cloud => "cloud",
            Category::Analytics => "analytics",
            Category::Marketing => "marketing",
            Category::Support => "support",
            Category::Payments => "payments",
            Category::Other => "other",
        }
    }

    /// Our category for a well-known Wappalyzer category id; unknown ids are `Other`.
    pub fn from_wappalyzer_id(id: u32) -> Category {
        WAPPALYZER_CATEGORIES
            .iter()
            .find(|(i, _, _)| *i == id)
            .map_or(Category::Other, |(_, _, c)| *c)
    }

    /// Our category for a Wappalyzer category name (case-insensitive, as in a
    /// `categories.json`); unknown names are `Other`.
    pub fn from_wappalyzer_name(name: &str) -> Category {
        WAPPALYZER_CATEGORIES
            .iter()
            .find(|(_, n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map_or(Category::Other, |(_, _, c)| *c)
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Wappalyzer's category ids (`src/categories.json` of the community dataset), their names and
/// our category for each.
pub const WAPPALYZER_CATEGORIES: [(u32, &str, Category); 111] = {
    use Category::*;
    [
        (1, "CMS", Cms),
        (2, "Message boards", Cms),
        (3, "Database managers", Database),
        (4, "Documentation", Cms),
        (5, "Widgets", Frontend),
        (6, "Ecommerce", Ecommerce),
        (7, "Photo galleries", Frontend),
        (8, "Wikis", Cms),
        (9, "Hosting panels", Cloud),
        (10, "Analytics", Analytics),
        (11, "Blogs", Cms),
        (12, "JavaScript frameworks", Frontend),
        (13, "Issue trackers", Support),
        (14, "Video players", Frontend),
        (15, "Comment systems", Other),
        (16, "Security", Other),
        (17, "Font scripts", Frontend),
        (18, "Web frameworks", Backend),
        (19, "Miscellaneous", Other),
        (20, "Editors", Other),
        (21, "LMS", Cms),
        (22, "Web servers", Cloud),
        (23, "Caching", Cloud),
        (24, "Rich text editors", Frontend),
        (25, "JavaScript graphics", Frontend),
        (26, "Mobile frameworks", Frontend),
        (27, "Programming languages", Backend),
        (28, "Operating systems", Cloud),
        (29, "Search engines", Other),
        (30, "Webmail", Other),
        (31, "CDN", Cloud),
        (32, "Marketing automation", Marketing),
        (33, "Web server extensions", Backend),
        (34, "Databases", Database),
        (35, "Maps", Frontend),
        (36, "Advertising", Marketing),
        (37, "Network devices", Other),
        (38, "Media servers", Other),
        (39, "Webcams", Other),
        (40, "Printers", Other),
        (41, "Payment processors", Payments),
        (42, "Tag managers", Analytics),
        (43, "Paywalls", Payments),
        (44, "CI", Backend),
        (45, "Control systems", Other),
        (46, "Remote access", Other),
        (47, "Development", Backend),
        (48, "Network storage", Cloud),
        (49, "Feed readers", Other),
        (50, "DMS", Cms),
        (51, "Page builders", Cms),
        (52, "Live chat", Support),
        (53, "CRM", Marketing),
        (54, "SEO", Marketing),
        (55, "Accounting", Other),
        (56, "Cryptominers", Other),
        (57, "Static site generator", Cms),
        (58, "User onboarding", Support),
        (59, "JavaScript libraries", Frontend),
        (60, "Containers", Cloud),
        (61, "SaaS", Cloud),
        (62, "PaaS", Cloud),
        (63, "IaaS", Cloud),
        (64, "Reverse proxies", Cloud),
        (65, "Load balancers", Cloud),
        (66, "UI frameworks", Frontend),
        (67, "Cookie compliance", Other),
        (68, "Accessibility", Frontend),
        (69, "Authentication", Other),
        (70, "SSL/TLS certificate authorities", Other),
        (71, "Affiliate programs", Marketing),
        (72, "Appointment scheduling", Other),
        (73, "Surveys", Analytics),
        (74, "A/B Testing", Analytics),
        (75, "Email", Marketing),
        (76, "Personalisation", Marketing),
        (77, "Retargeting", Marketing),
        (78, "RUM", Analytics),
        (79, "Geolocation", Other),
        (80, "WordPress themes", Cms),
        (81, "Shopify themes", Ecommerce),
        (82, "Drupal themes", Cms),
        (83, "Browser fingerprinting", Analytics),
        (84, "Loyalty & rewards", Ecommerce),
        (85, "Feature management", Other),
        (86, "Segmentation", Analytics),
        (87, "WordPress plugins", Cms),
        (88, "Hosting", Cloud),
        (89, "Translation", Other),
        (90, "Reviews", Marketing),
        (91, "Buy now pay later", Payments),
        (92, "Performance", Cloud),
        (93, "Reservations & delivery", Ecommerce),
        (94, "Referral marketing", Marketing),
        (95, "Digital asset management", Cms),
        (96, "Content curation", Marketing),
        (97, "Customer data platform", Analytics),
        (98, "Cart abandonment", Ecommerce),
        (99, "Shipping carriers", Ecommerce),
        (100, "Shopify apps", Ecommerce),
        (101, "Recruitment & staffing", Other),
        (102, "Returns", Ecommerce),
        (103, "Livestreaming", Other),
        (104, "Ticket booking", Ecommerce),
        (105, "Augmented reality", Other),
        (106, "Cross border ecommerce", Ecommerce),
        (107, "Fulfilment", Ecommerce),
        (108, "Ecommerce frontends", Ecommerce),
        (109, "Domain parking", Other),
        (110, "Form builders", Marketing),
        (111, "Fundraising & donations", Payments),
    ]
};
